// A private endpoint for one data service, and its DNS record in the service's private zone, so that the app
// reaches the service by its usual name at an address inside the virtual network.
metadata description = 'Private endpoint for one sub-resource of a service, registered in a private DNS zone.'

@description('Name of the private endpoint.')
@minLength(2)
@maxLength(64)
param name string

@description('Azure region.')
param location string

@description('Tags for the endpoint.')
param tags object = {}

@description('Resource id of the subnet the endpoint takes its address from.')
param subnetId string

@description('Resource id of the service.')
param serviceResourceId string

@description('The service\'s sub-resource (group id): Sql, vault, blob or namespace.')
param groupId string

@description('Resource id of the private DNS zone for that sub-resource.')
param dnsZoneId string

resource endpoint 'Microsoft.Network/privateEndpoints@2025-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    subnet: { id: subnetId }
    privateLinkServiceConnections: [
      {
        name: name
        properties: { privateLinkServiceId: serviceResourceId, groupIds: [groupId] }
      }
    ]
  }
}

resource dnsZoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2025-07-01' = {
  parent: endpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [{ name: groupId, properties: { privateDnsZoneId: dnsZoneId } }]
  }
}

output resourceId string = endpoint.id
