// The Function App on Flex Consumption: Node.js 22, one user-assigned identity for every connection, HTTPS only,
// no FTP or basic publishing credentials, CORS for the portal's origins, and optionally reachable only through
// one Azure Front Door profile.
metadata description = 'Flex Consumption Function App (Node.js) with identity-based connections.'

@description('Name of the Function App; its host name is <name>.azurewebsites.net.')
param name string

@description('Azure region.')
param location string

@description('Tags for the app.')
param tags object = {}

@description('Resource id of the Log Analytics workspace for diagnostics.')
param workspaceResourceId string

@description('Resource id of the Flex Consumption plan.')
param serverFarmResourceId string

@description('Resource id of the user-assigned managed identity the app runs as.')
param identityResourceId string

@description('URL of the blob container holding the deployment package.')
param deploymentContainerUrl string

@description('Memory of each instance in MB (512, 2048 or 4096).')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Most instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('App settings. Identity-based connections only: no keys, no connection strings with keys.')
param appSettings object

@description('Origins allowed to call the API from a browser (the portal). "*" is never applied.')
param corsAllowedOrigins string[] = []

@description('When set, the app accepts requests only from this Azure Front Door profile (its X-Azure-FDID).')
param frontDoorId string = ''

@description('Resource id of the subnet (delegated to Microsoft.App/environments) the app sends its outbound traffic through; empty for none.')
param virtualNetworkSubnetId string = ''

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityResourceId}': {} }
  }
  properties: {
    serverFarmId: serverFarmResourceId
    httpsOnly: true
    clientCertEnabled: false
    publicNetworkAccess: 'Enabled'
    virtualNetworkSubnetId: empty(virtualNetworkSubnetId) ? null : virtualNetworkSubnetId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityResourceId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: { name: 'node', version: '22' }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      cors: {
        allowedOrigins: filter(corsAllowedOrigins, origin => origin != '*')
        supportCredentials: false
      }
      ipSecurityRestrictionsDefaultAction: empty(frontDoorId) ? 'Allow' : 'Deny'
      ipSecurityRestrictions: empty(frontDoorId)
        ? []
        : [
            {
              name: 'front-door-only'
              action: 'Allow'
              priority: 100
              tag: 'ServiceTag'
              ipAddress: 'AzureFrontDoor.Backend'
              headers: { 'x-azure-fdid': [frontDoorId] }
            }
          ]
      // Deployments still reach the SCM site (with Entra ID; basic credentials are off below).
      scmIpSecurityRestrictionsUseMain: false
      appSettings: map(items(appSettings), setting => { name: setting.key, value: setting.value })
    }
  }
}

resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'ftp'
  properties: { allow: false }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'scm'
  properties: { allow: false }
}

// The newest version of diagnostic settings with category groups; the linter's choice, 2016-09-01, has none.
#disable-next-line use-recent-api-versions
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: site
  properties: {
    workspaceId: workspaceResourceId
    logs: [{ categoryGroup: 'allLogs', enabled: true }]
    metrics: [{ category: 'AllMetrics', enabled: true }]
  }
}

output resourceId string = site.id
output name string = site.name
output defaultHostName string = site.properties.defaultHostName
